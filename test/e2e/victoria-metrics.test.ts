/**
 * The end-to-end pipeline on VictoriaMetrics (Debian's victoria-metrics 1.79): the demos scraped by vmagent,
 * remote-written into victoria-metrics, the rules' vmalert flavour evaluated by vmalert (recording rules and
 * ALERTS written back), alerts through the real Alertmanager to the webhook, and every dashboard query
 * answered by victoria-metrics' Prometheus API. The same pages as on Prometheus: see pipeline-suite.ts.
 */
import { pipelineSuite } from './pipeline-suite.js';

pipelineSuite(
  'victoria-metrics',
  'end to end: demo -> vmagent -> VictoriaMetrics -> vmalert -> Alertmanager -> webhook',
);
