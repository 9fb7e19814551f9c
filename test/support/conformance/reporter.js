// Prints the conformance counts of the run (the files test/support/conformance/setup.ts wrote).
const { existsSync, readdirSync, readFileSync, rmSync } = require('node:fs');
const { join } = require('node:path');

const DIR = join(__dirname, '..', '..', 'artifacts', 'conformance');

class ConformanceReporter {
  onRunStart() {
    rmSync(DIR, { recursive: true, force: true });
  }

  onRunComplete() {
    if (!existsSync(DIR)) return;
    const files = readdirSync(DIR).map((name) => JSON.parse(readFileSync(join(DIR, name), 'utf8')));
    if (files.length === 0) return;
    const sum = (key) => files.reduce((total, file) => total + file[key], 0);
    const lines = [
      '',
      `OpenAPI conformance: ${sum('validated')} responses validated against the served document ` +
        `(${sum('events')} stream events), ${sum('undescribed')} undescribed, ` +
        `${sum('exempt')} exempt (docs, static files), ${sum('abandoned')} abandoned before a status, ` +
        `in ${files.length} spec files`,
    ];
    for (const file of files.filter((f) => f.undescribed > 0)) {
      lines.push(
        `  ${file.file}: ${file.undescribed} undescribed`,
        ...file.violations.map((v) => `    - ${v}`),
      );
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  }
}

module.exports = ConformanceReporter;
