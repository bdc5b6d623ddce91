/**
 * Validates the Entra ID access tokens Teams gives the tab (`authentication.getAuthToken`):
 * signature through the tenant's published keys (JWKS, fetched and cached by jose), issuer (the v1
 * `https://sts.windows.net/{tenant}/` and v2 `https://login.microsoftonline.com/{tenant}/v2.0`
 * forms, as the app registration's `accessTokenAcceptedVersion` decides), audience (the app id URI
 * `api://{host}/{clientId}` or the client id) and expiry, with a small clock tolerance.
 */
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';

export interface EntraTokenOptions {
  tenantId: string;
  audiences: readonly string[];
  jwksUrl: string;
  /** Seconds of clock skew tolerated on exp and nbf. Default 120. */
  clockToleranceSeconds?: number;
}

export interface EntraIdentity {
  aadObjectId: string | undefined;
  email: string;
  name: string;
}

export type TokenCheck =
  | { ok: true; identity: EntraIdentity; claims: JWTPayload }
  | { ok: false; code: TokenRefusalCode; reason: string };

export type TokenRefusalCode =
  | 'token_expired'
  | 'token_wrong_audience'
  | 'token_wrong_issuer'
  | 'token_bad_signature'
  | 'token_malformed'
  | 'token_no_identity'
  | 'keys_unavailable';

export type EntraTokenVerifier = (token: string) => Promise<TokenCheck>;

/** A verifier for one tenant and audience; keys are fetched on first use and when a new key id appears. */
export function createEntraTokenVerifier(options: EntraTokenOptions): EntraTokenVerifier {
  const keys = createRemoteJWKSet(new URL(options.jwksUrl), {
    timeoutDuration: 5_000,
    cooldownDuration: 30_000,
    cacheMaxAge: 12 * 60 * 60_000,
  });
  const issuers = [
    `https://sts.windows.net/${options.tenantId}/`,
    `https://login.microsoftonline.com/${options.tenantId}/v2.0`,
  ];
  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: issuers,
        audience: [...options.audiences],
        clockTolerance: options.clockToleranceSeconds ?? 120,
        algorithms: ['RS256'],
        requiredClaims: ['exp'],
      });
      const identity = identityOf(payload);
      if (!identity)
        return {
          ok: false,
          code: 'token_no_identity',
          reason: 'the token names no user (no oid or username)',
        };
      return { ok: true, identity, claims: payload };
    } catch (error) {
      return { ok: false, ...refusalOf(error) };
    }
  };
}

function identityOf(payload: JWTPayload): EntraIdentity | undefined {
  const text = (name: string) => (typeof payload[name] === 'string' ? (payload[name] as string) : undefined);
  const oid = text('oid');
  // v2 tokens carry preferred_username, v1 tokens upn or unique_name; email only when configured.
  const email = text('preferred_username') ?? text('upn') ?? text('unique_name') ?? text('email') ?? '';
  if (!oid && !email) return undefined;
  return { aadObjectId: oid, email, name: text('name') ?? email };
}

function refusalOf(error: unknown): { code: TokenRefusalCode; reason: string } {
  if (error instanceof errors.JWTExpired) return { code: 'token_expired', reason: 'the token has expired' };
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'aud')
      return { code: 'token_wrong_audience', reason: 'the token is not for this app (audience)' };
    if (error.claim === 'iss')
      return { code: 'token_wrong_issuer', reason: "the token is not from this organisation's tenant" };
    return { code: 'token_malformed', reason: `the token's ${error.claim} claim is not valid` };
  }
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWKSNoMatchingKey)
    return {
      code: 'token_bad_signature',
      reason: "the token's signature does not verify with the tenant's keys",
    };
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid)
    return { code: 'keys_unavailable', reason: "the tenant's signing keys could not be fetched" };
  if (error instanceof errors.JOSEAlgNotAllowed)
    return {
      code: 'token_bad_signature',
      reason: 'the token is signed with an algorithm that is not accepted',
    };
  if (error instanceof errors.JOSEError)
    return { code: 'token_malformed', reason: 'the token is not a valid JWT' };
  // A network failure fetching the keys surfaces as a plain error.
  return { code: 'keys_unavailable', reason: "the tenant's signing keys could not be fetched" };
}
