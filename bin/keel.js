#!/usr/bin/env node
// Entry point of the `keel` command. Keel's sources are TypeScript run directly by Node 24 (type stripping).
import '../src/main/cli.ts';
