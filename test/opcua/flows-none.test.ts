import { MessageSecurityMode, SecurityPolicy } from 'node-opcua';
import { describeFlows } from './flows.js';

describeFlows('SecurityPolicy None', { policy: SecurityPolicy.None, mode: MessageSecurityMode.None });
