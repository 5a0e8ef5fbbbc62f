// express-session 1.19 with its MemoryStore, driven through the real session middleware (cookie
// signing, store.get/set/touch/destroy exactly as express-session calls them) by simulated clients.
//
// The adapter is a MemoryStore subclass, as a user integrating mapwatch would write it: `set` of an
// unknown session id is an insert, `destroy` of a known one an explicit delete, and a `get` or `touch`
// after which the id is gone is an expiry (MemoryStore expires lazily: only a read of that very
// session removes it once its cookie has expired). The entry count is the number of keys of the
// store's `sessions` object; `length()` would prune expired sessions and change the behaviour.
import session from 'express-session';
import { dailyRate, newSampler, noDeletes, survivalOf } from './sim.mjs';

const { MemoryStore } = session;

function countingStore(SurvivalSampler) {
  const counts = { inserts: 0, deletes: noDeletes() };
  const sampler = newSampler(SurvivalSampler);
  class CountingMemoryStore extends MemoryStore {
    set(sid, sess, callback) {
      const isNew = !(sid in this.sessions);
      super.set(sid, sess, callback);
      if (isNew) {
        counts.inserts++;
        sampler.onInsert(sid);
      }
    }
    destroy(sid, callback) {
      if (sid in this.sessions) {
        counts.deletes.explicit++;
        sampler.onDelete(sid);
      }
      super.destroy(sid, callback);
    }
    get(sid, callback) {
      const had = sid in this.sessions;
      super.get(sid, callback);
      this.#afterRead(sid, had);
    }
    touch(sid, sess, callback) {
      const had = sid in this.sessions;
      super.touch(sid, sess, callback);
      this.#afterRead(sid, had);
    }
    #afterRead(sid, had) {
      if (!had) return;
      if (sid in this.sessions) {
        sampler.onRead(sid);
      } else {
        counts.deletes.expire++;
        sampler.onDelete(sid);
      }
    }
  }
  const store = new CountingMemoryStore();
  const probe = () => ({
    entries: Object.keys(store.sessions).length,
    instances: 1,
    inserts: counts.inserts,
    deletes: { ...counts.deletes },
    ...survivalOf(sampler, Date.now()),
  });
  return { store, probe };
}

/** The least of a response that express-session and on-headers use. */
class FakeResponse {
  constructor(onEnd) {
    this.statusCode = 200;
    this._header = null;
    this.headers = new Map();
    this.onEnd = onEnd;
  }
  setHeader(name, value) {
    this.headers.set(name.toLowerCase(), value);
  }
  getHeader(name) {
    return this.headers.get(name.toLowerCase());
  }
  writeHead(statusCode) {
    this.statusCode = statusCode;
    this._header = `HTTP/1.1 ${statusCode}`;
    return this;
  }
  _implicitHeader() {
    this.writeHead(this.statusCode);
  }
  write() {
    if (!this._header) this._implicitHeader();
    return true;
  }
  end() {
    if (!this._header) this._implicitHeader();
    this.onEnd(this);
    return this;
  }
}

/**
 * Visitors arrive (Poisson, `rate` per second); a visit is a login then ~`requests` page views spaced
 * ~40 s apart, then a logout (req.session.destroy) with probability `logout`. Otherwise the visitor
 * goes away: with `returnAfter` (app clients that keep their cookie) it comes back after that many
 * seconds and visits again with its old cookie; without, it never comes back (a closed browser tab).
 */
function sessions({ rate, maxAgeMs, logout, requests = 6, returnAfter }) {
  return (env) => {
    const { tools } = env;
    const { store, probe } = countingStore(env.mw.SurvivalSampler);
    let nextId = 0;
    const middleware = session({
      store,
      secret: 'mapwatch-record-fixtures',
      resave: false,
      saveUninitialized: false,
      genid: () => `sess-${nextId++}`,
      cookie: maxAgeMs === undefined ? {} : { maxAge: maxAgeMs },
    });
    const inFlight = [];
    let nextUser = 0;

    const request = (client, path) =>
      new Promise((resolve, reject) => {
        const req = { method: 'GET', url: path, originalUrl: path, headers: {}, connection: {}, socket: {} };
        if (client.cookie !== undefined) req.headers.cookie = `connect.sid=${client.cookie}`;
        const res = new FakeResponse((r) => {
          const set = r.getHeader('set-cookie');
          const line = Array.isArray(set) ? set.at(-1) : set;
          if (line !== undefined) client.cookie = line.split(';')[0].slice('connect.sid='.length);
          resolve();
        });
        middleware(req, res, (err) => {
          if (err) {
            reject(err);
            return;
          }
          if (path === '/logout') {
            req.session.destroy(() => {
              client.cookie = undefined;
              res.end('bye');
            });
            return;
          }
          if (req.session.user === undefined) req.session.user = { id: client.user, since: Date.now() };
          res.end('page');
        });
      });

    const visit = (client, second) => {
      let t = second;
      const n = tools.geometric(requests);
      for (let i = 0; i < n; i++) {
        env.agenda.at(t, () => inFlight.push(request(client, i === 0 ? '/login' : '/page')));
        t += 1 + tools.exp(40);
      }
      if (tools.chance(logout)) {
        env.agenda.at(t, () => inFlight.push(request(client, '/logout')));
      } else if (returnAfter !== undefined) {
        const back = Math.ceil(t + returnAfter(tools));
        env.agenda.at(back, () => visit(client, back));
      }
    };

    return {
      step(second) {
        const n = tools.poisson(rate(second));
        for (let i = 0; i < n; i++) visit({ user: `user-${nextUser++}`, cookie: undefined }, second);
        // The agenda ran this second's requests before step(); arrivals starting now run at once.
        env.agenda.runDue(second);
        if (inFlight.length === 0) return undefined;
        const all = Promise.all(inFlight);
        inFlight.length = 0;
        return all;
      },
      probe,
      stop() {},
    };
  };
}

const lib = 'express-session';

export const fixtures = [
  {
    family: lib,
    variant: 'abandoned-maxage-30m',
    mapName: 'sessions',
    seed: 501,
    hours: 8,
    leak: true,
    declared: false,
    leakStartsAtSeconds: 0,
    description:
      'express-session MemoryStore with cookie maxAge 30 min: 70 % of visitors never log out nor come back, and MemoryStore only expires a session when that session is read again, so their expired sessions stay forever; a leak.',
    start: sessions({ rate: dailyRate(0.3, 0.3), maxAgeMs: 30 * 60_000, logout: 0.3 }),
  },
  {
    family: lib,
    variant: 'abandoned-no-maxage',
    mapName: 'sessions',
    seed: 502,
    hours: 30,
    leak: true,
    declared: false,
    leakStartsAtSeconds: 0,
    description:
      'express-session MemoryStore with browser-session cookies (no maxAge) under a 24 h traffic cycle: sessions never expire, and the 70 % of visitors who close the tab without logging out leave theirs forever; a leak.',
    start: sessions({ rate: dailyRate(0.3, 0.7, 'mean'), logout: 0.3 }),
  },
  {
    family: lib,
    variant: 'proper-logout-or-return',
    mapName: 'sessions',
    seed: 503,
    hours: 8,
    leak: false,
    declared: false,
    description:
      'express-session MemoryStore with maxAge 20 min where 80 % of visits end in a logout (destroy) and the other clients (apps keeping their cookie) come back within hours, so their expired sessions are removed by their own get; bounded.',
    start: sessions({
      rate: dailyRate(0.3, 0.3),
      maxAgeMs: 20 * 60_000,
      logout: 0.8,
      returnAfter: (tools) => 600 + tools.exp(3600),
    }),
  },
];
