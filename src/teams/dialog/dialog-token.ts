/**
 * The activation dialog's identity. The bot has authenticated the pilot's `task/fetch` invoke (Bot
 * Framework token, or local mode); it hands the dialog page a short-lived token, signed with HS256,
 * bound to that pilot, the step and the iteration. The page's API calls carry it as a bearer token:
 * no valid token, no answer. The engine still checks the pilot's role when they send.
 */
import { randomBytes } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import { sql } from '../../db/orm.js';
import { queryRows, type Queryable } from '../../db/client.js';

export interface DialogClaims {
  /** The pilot, as the directory knows them. */
  email: string;
  aadObjectId: string | null;
  /** Canonical step id. */
  step: string;
  iteration: string;
}

const AUDIENCE = 'runsheet:activation-dialog';
const ISSUER = 'runsheet';
/** Long enough to write a mail at 3 a.m., short enough that a leaked link soon stops working. */
export const DIALOG_TOKEN_SECONDS = 30 * 60;
const SECRET_NAME = 'dialog-token-key';

/**
 * The signing key: the configured secret, or one generated once and kept in `service_secrets`, so
 * every instance of the service (and a restart) accepts the tokens of the others.
 */
export async function loadDialogKey(db: Queryable, configured: string | undefined): Promise<Uint8Array> {
  if (configured !== undefined) return new TextEncoder().encode(configured);
  await db.execute(sql`insert into service_secrets (name, value)
      values (${SECRET_NAME}, ${randomBytes(32).toString('base64url')}) on conflict (name) do nothing`);
  const [row] = await queryRows<{ value: string }>(
    db,
    sql`select value from service_secrets where name = ${SECRET_NAME}`,
  );
  return new TextEncoder().encode(row!.value);
}

export class DialogTokens {
  private key: Promise<Uint8Array> | undefined;

  constructor(
    private readonly loadKey: () => Promise<Uint8Array>,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  private signingKey(): Promise<Uint8Array> {
    this.key ??= this.loadKey().catch((error: unknown) => {
      this.key = undefined;
      throw error;
    });
    return this.key;
  }

  /** A token for `claims`, valid DIALOG_TOKEN_SECONDS from now. */
  async mint(claims: DialogClaims): Promise<string> {
    const now = Math.floor(this.clock().getTime() / 1000);
    return new SignJWT({ step: claims.step, iteration: claims.iteration, aad: claims.aadObjectId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject(claims.email)
      .setIssuedAt(now)
      .setExpirationTime(now + DIALOG_TOKEN_SECONDS)
      .sign(await this.signingKey());
  }

  /** The claims of a valid, unexpired token of ours; null for anything else. */
  async verify(token: string): Promise<DialogClaims | null> {
    try {
      const { payload } = await jwtVerify(token, await this.signingKey(), {
        audience: AUDIENCE,
        issuer: ISSUER,
        algorithms: ['HS256'],
        currentDate: this.clock(),
      });
      if (
        typeof payload.sub !== 'string' ||
        typeof payload.step !== 'string' ||
        typeof payload.iteration !== 'string'
      ) {
        return null;
      }
      return {
        email: payload.sub,
        aadObjectId: typeof payload.aad === 'string' ? payload.aad : null,
        step: payload.step,
        iteration: payload.iteration,
      };
    } catch {
      return null;
    }
  }
}
