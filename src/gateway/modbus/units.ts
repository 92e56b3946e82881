/**
 * Routing at the Modbus front: a request's unit id names the device
 * (`unit` in the device entry, unique per front). Unit ids 0 and 255 are
 * what Modbus TCP clients send to a directly addressed server (Messaging on
 * TCP/IP v1.0b 4.4.2): they go to the device marked `default: true`, or to
 * the only Modbus device; with several devices and none marked they reach
 * nothing.
 */
import type { ModbusDeviceLink, ModbusDeviceLinks } from '../../devices/modbus/devices.js';
import type { ModbusDevice, Profile } from '../../policy/types.js';
import { ModbusTagMap } from './mapping.js';

export interface Route {
  readonly device: ModbusDevice;
  readonly link: ModbusDeviceLink;
  readonly tags: ModbusTagMap;
}

export class UnitRouter {
  private readonly byUnit = new Map<number, Route>();
  private readonly byDevice = new Map<string, Route>();
  readonly fallback: Route | undefined;

  constructor(profile: Profile, links: ModbusDeviceLinks) {
    for (const link of links.all()) {
      const route: Route = { device: link.device, link, tags: new ModbusTagMap(profile, link.device) };
      this.byUnit.set(link.device.unit, route);
      this.byDevice.set(link.device.id, route);
    }
    const routes = [...this.byDevice.values()];
    this.fallback = routes.find((r) => r.device.default) ?? (routes.length === 1 ? routes[0] : undefined);
  }

  /** The device a unit id reaches, or undefined (answered "gateway target device failed to respond"). */
  route(unit: number): Route | undefined {
    if (unit === 0 || unit === 0xff) return this.fallback;
    return this.byUnit.get(unit);
  }

  /** The device holding a tag. */
  forTag(tag: string): Route | undefined {
    for (const r of this.byDevice.values()) if (r.tags.owns(tag)) return r;
    return undefined;
  }

  routes(): Route[] {
    return [...this.byDevice.values()];
  }
}
