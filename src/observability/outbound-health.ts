/**
 * /readyz details for the services Runsheet calls (Bot Connector, Microsoft Graph), from the last
 * request this process made to each: passive, so a readiness probe never calls a public address,
 * and informational, so a Teams outage never takes the instance out of the load balancer.
 */
import type { ReadinessProbe } from '../http/health.js';
import { lastOutboundCall, type OutboundTarget } from './metrics.js';

/**
 * The last call's outcome. Fine: any answer below 500 except 401 (the bot's token refused) and
 * 429 (throttled); a 403 or 404 concerns one conversation or message, not the service.
 */
export function outboundCallProbe(
  target: OutboundTarget,
  name: string,
  noCallDetail: string,
): ReadinessProbe {
  return () => {
    const last = lastOutboundCall(target);
    if (last === undefined) return { ok: true, detail: noCallDetail };
    const ok = last.status !== 'error' && last.status < 500 && last.status !== 401 && last.status !== 429;
    const answer = last.status === 'error' ? 'no answer (network error or timeout)' : `HTTP ${last.status}`;
    return {
      ok,
      detail: `last ${name} call: ${answer} in ${last.seconds.toFixed(3)} s at ${last.at.toISOString()}`,
    };
  };
}
