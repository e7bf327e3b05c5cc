import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHARTS } from '../charts';
import { ARTIFACTS } from '../lib/artifacts';
import { validationContext } from '../lib/pipeline';
import { siteOutputFiles } from '../lib/output';
import { renderSite } from '../lib/render';
import { loadSite } from '../lib/site';
import { validateFiles } from '../lib/validator';
import { writeSiteFiles } from '../lib/writer';
import { writeFleet } from './fleet';
const dir = mkdtempSync(join(tmpdir(), 'i18p-'));const out = mkdtempSync(join(tmpdir(), 'i18o-'));
const files = writeFleet(dir, Number(process.argv[2] ?? 150));
for (const f of files) { const site = loadSite(f); const r = renderSite(site, CHARTS, ARTIFACTS); validateFiles(r.files, validationContext(site)); writeSiteFiles(out, site.config.name, siteOutputFiles(site, r)); }
