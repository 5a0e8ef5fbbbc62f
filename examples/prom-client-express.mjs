// A map becomes a scraped Prometheus series: mapwatch's router serves GET /metrics from prom-client's
// registry on an express app. Run: node examples/prom-client-express.mjs
import express from 'express';
import client from 'prom-client';
import { InstrumentedMap } from 'mapwatch';
import { mapwatchRouter } from 'mapwatch/express';
import { registerPromMetrics } from 'mapwatch/prometheus';

const register = new client.Registry();
registerPromMetrics(register);

const carts = new InstrumentedMap({ name: 'carts', maxEntries: 10_000 });
carts.set('cart-1', ['book']);
carts.set('cart-2', ['pen', 'ink']);
carts.delete('cart-1');

const app = express();
app.use(mapwatchRouter({ promRegistry: register }));
const server = app.listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
try {
  const { port } = server.address();
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  const text = await res.text();
  // The carts map's series, as Prometheus scrapes them.
  for (const line of text.split('\n')) if (line.includes('map_name="carts"')) console.log(line);
} finally {
  server.close();
}
