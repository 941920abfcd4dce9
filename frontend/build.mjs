// Builds static/build/ from GOV.UK Frontend: `npm run build`.
import { copyFileSync, cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

import * as sass from 'sass'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const govuk = join(root, 'node_modules', 'govuk-frontend', 'dist', 'govuk')
const out = join(root, 'static', 'build')

rmSync(out, { recursive: true, force: true })
mkdirSync(join(out, 'govuk', 'assets'), { recursive: true })

const { css } = sass.compile(join(root, 'frontend', 'coursebook.scss'), {
  style: 'compressed',
  importers: [new sass.NodePackageImporter(root)],
  // GOV.UK Frontend's own deprecation notices are not ours to fix.
  quietDeps: true
})
writeFileSync(join(out, 'coursebook.css'), css + '\n')

copyFileSync(join(govuk, 'govuk-frontend.min.js'), join(out, 'govuk', 'govuk-frontend.min.js'))
// Images and the web manifest; the GDS Transport fonts are for GOV.UK only.
cpSync(join(govuk, 'assets', 'images'), join(out, 'govuk', 'assets', 'images'), { recursive: true })
copyFileSync(join(govuk, 'assets', 'manifest.json'), join(out, 'govuk', 'assets', 'manifest.json'))
// GOV.UK's icons are the crown, so Coursebook has its own.
copyFileSync(join(root, 'frontend', 'favicon.svg'), join(out, 'favicon.svg'))

// GOV.UK Frontend 6 is an ES module: base.html loads this with <script type="module">,
// which browsers without module support skip, leaving the no-JavaScript pages.
writeFileSync(
  join(out, 'init.js'),
  "import { initAll } from './govuk/govuk-frontend.min.js'\n\ninitAll()\n"
)

console.log(`Built ${out}`)
