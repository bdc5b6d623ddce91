/**
 * The tab's API in local mode (the `x-runsheet-local-user` header names the user) over an engine,
 * on 127.0.0.1, for tests that read and act through it on their own plan and clock.
 */
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../src/config.js';
import type { Engine } from '../../src/engine/engine.js';
import { createHttpServer, listen } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';
import { startTabService } from '../../src/tab/tab-service.js';

export interface LocalTabServer {
  /** `http://127.0.0.1:<port>` */
  base: string;
  stop(): Promise<void>;
}

export async function startLocalTabServer(engine: Engine, clock: () => Date): Promise<LocalTabServer> {
  const config = loadConfig({ LOG_LEVEL: 'silent', RUNSHEET_DATA_DIR: fs.mkdtempSync('/tmp/runsheet-tab-') });
  const server = createHttpServer({
    database: engine.database,
    logger: createLogger('silent'),
    about: { service: 'runsheet' },
  });
  const tab = await startTabService({
    config,
    server,
    engine,
    directory: engine.directory,
    logger: createLogger('silent'),
    clock,
  });
  await listen(server, 0, '127.0.0.1');
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async stop() {
      await tab.stop();
      server.close();
    },
  };
}
