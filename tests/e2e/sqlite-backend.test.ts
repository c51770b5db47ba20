/** The end-to-end promises of every backend (backend-suite.ts) on SQLite/FTS5 and hnswlib, the default. */
import { backendSuite, BACKENDS } from './backend-suite.ts';

backendSuite(BACKENDS.sqlite);
