/** The end-to-end pipeline on Prometheus 2.42 (Debian's prometheus): see pipeline-suite.ts. */
import { pipelineSuite } from './pipeline-suite.js';

pipelineSuite('prometheus', 'end to end: demo -> Prometheus -> Alertmanager -> webhook');
