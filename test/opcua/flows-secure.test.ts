import { MessageSecurityMode, SecurityPolicy } from 'node-opcua';
import { describeFlows } from './flows.js';

describeFlows('Basic256Sha256 SignAndEncrypt', { policy: SecurityPolicy.Basic256Sha256, mode: MessageSecurityMode.SignAndEncrypt });
