// Child process for the writer crash test: writes a site output and kills itself with SIGKILL after
// `afterFiles` files, the way an OOM kill or a power cut would stop a real synth.
import { writeSiteFiles } from '../../lib/writer';

const [outRoot, site, afterFiles] = process.argv.slice(2);
const files = Array.from({ length: 20 }, (_, i) => ({ path: `f${String(i).padStart(2, '0')}.yaml`, content: `new ${i}\n` }));
let written = 0;
writeSiteFiles(outRoot, site, files, {
  onFileWritten: () => {
    written += 1;
    if (written === Number(afterFiles)) process.kill(process.pid, 'SIGKILL');
  },
});
