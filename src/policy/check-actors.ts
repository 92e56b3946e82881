/**
 * Semantic checks of actors, approvers and approval rules: identities are
 * unambiguous (a source address or user name names one actor), secrets are
 * stored safely, and every approval rule can actually be met.
 */
import { isIP } from 'node:net';
import type { CheckContext } from './check-context.js';
import type { RawApprovals } from './raw.js';
import { passwordHashProblem } from './password.js';
import { didYouMean } from './suggest.js';

export function checkActors(ctx: CheckContext): void {
  const sources = new Map<string, string>();
  const users = new Map<string, string>();
  const thumbprints = new Map<string, string>();
  const allowPlain = ctx.raw.defaults?.allow_plain_passwords === true;
  for (const [id, actor] of Object.entries(ctx.raw.actors)) {
    const at = ['actors', id] as const;
    (actor.modbus?.sources ?? []).forEach((ip, i) => {
      const path = [...at, 'modbus', 'sources', i];
      if (isIP(ip) === 0) return ctx.error(path, `actor ${id}: '${ip}' is not an IPv4 or IPv6 address`);
      const owner = sources.get(ip);
      if (owner !== undefined) return ctx.error(path, `actor ${id}: source ${ip} is already claimed by actor ${owner}`);
      sources.set(ip, id);
    });
    const ua = actor.opcua;
    if (!ua) continue;
    const uat = [...at, 'opcua'];
    if (ua.username === undefined && ua.certificate_thumbprint === undefined) {
      ctx.error(uat, `actor ${id}: opcua needs a username or a certificate_thumbprint`, 'key');
    }
    if (ua.username !== undefined) {
      const owner = users.get(ua.username);
      if (owner !== undefined) ctx.error([...uat, 'username'], `actor ${id}: OPC UA user '${ua.username}' is already actor ${owner}`);
      users.set(ua.username, id);
      if (ua.password === undefined && ua.password_hash === undefined) {
        ctx.error([...uat, 'username'], `actor ${id}: user '${ua.username}' needs a password_hash`, 'key');
      }
    } else if (ua.password !== undefined || ua.password_hash !== undefined) {
      ctx.error(uat, `actor ${id}: a password needs a username`, 'key');
    }
    if (ua.password !== undefined && ua.password_hash !== undefined) {
      ctx.error([...uat, 'password'], `actor ${id}: give password or password_hash, not both`, 'key');
    } else if (ua.password !== undefined && !allowPlain) {
      ctx.error(
        [...uat, 'password'],
        `actor ${id}: plain passwords are refused; use password_hash (or set defaults.allow_plain_passwords: true in a demo profile)`,
        'key',
      );
    }
    if (ua.password_hash !== undefined) {
      const problem = passwordHashProblem(ua.password_hash);
      if (problem) ctx.error([...uat, 'password_hash'], `actor ${id}: password_hash ${problem}; expected scrypt$N$r$p$<salt base64>$<hash base64>`);
    }
    if (ua.certificate_thumbprint !== undefined) {
      const tp = ua.certificate_thumbprint.toLowerCase();
      const owner = thumbprints.get(tp);
      if (owner !== undefined) ctx.error([...uat, 'certificate_thumbprint'], `actor ${id}: certificate is already actor ${owner}`);
      thumbprints.set(tp, id);
    }
  }
  checkApprovalRules(ctx);
}

function checkApprovalRules(ctx: CheckContext): void {
  for (const [name, tag] of Object.entries(ctx.raw.tags)) {
    if (tag.approvals) checkApprovals(ctx, ['tags', name, 'approvals'], name, tag.approvals);
  }
  for (const [name, method] of Object.entries(ctx.raw.methods ?? {})) {
    if (method.approvals) checkApprovals(ctx, ['methods', name, 'approvals'], name, method.approvals);
  }
}

function checkApprovals(ctx: CheckContext, at: readonly string[], name: string, rule: RawApprovals): void {
  const roles = rule.roles ?? [];
  const known = ctx.approverRoles();
  roles.forEach((role, i) => {
    if (!known.has(role)) ctx.error([...at, 'roles', i], `${name}: approval role '${role}' is held by no approver${didYouMean(role, known)}`);
  });
  if (rule.count === 0) return;
  if (roles.length === 0) {
    ctx.error([...at, 'count'], `${name}: approvals.count is ${rule.count} but approvals.roles is empty`);
    return;
  }
  const eligible = Object.entries(ctx.raw.approvers ?? {})
    .filter(([, a]) => roles.includes(a.role))
    .map(([id]) => id);
  if (rule.count > eligible.length) {
    const who = eligible.length ? ` (${eligible.join(', ')})` : '';
    ctx.error(
      [...at, 'count'],
      `${name}: needs ${rule.count} approvals but only ${eligible.length} approver(s) hold role ${roles.join(' or ')}${who}`,
    );
  }
}
