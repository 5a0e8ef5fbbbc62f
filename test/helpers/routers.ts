/** Express routers served on 127.0.0.1 for tests, each test's servers closed after it. */
import express from 'express';
import { listenLocal, type RunningServer } from './http.js';

export class LocalRouters {
  readonly #servers: RunningServer[] = [];

  /** Serves `router` on a free port of 127.0.0.1 and returns its base URL. */
  serve = async (router: express.Router): Promise<string> => {
    const app = express();
    app.use(router);
    return this.track(await listenLocal(app as never)).url;
  };

  /** Closes `server` with the others (a server a test started itself). */
  track(server: RunningServer): RunningServer {
    this.#servers.push(server);
    return server;
  }

  /** Closes every server started since the last call (call it from `afterEach`). */
  async closeAll(): Promise<void> {
    for (const s of this.#servers.splice(0)) await s.close();
  }
}
