/** The end-to-end promises of every backend (backend-suite.ts) with DATABASE_URL: PostgreSQL and pgvector, PGlite on the wire. */
import { backendSuite, BACKENDS } from './backend-suite.ts';

backendSuite(BACKENDS.postgres);
