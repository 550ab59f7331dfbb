#!/usr/bin/env node
// Render a BPMN file to PNG with bpmn-js (NavigatedViewer) in headless Chromium.
//
//   node tools/render_bpmn/render.mjs bpmn/checkout.bpmn docs/checkout.png
//
// Needs Debian's chromium (CHROMIUM=/usr/bin/chromium by default) and the npm packages bpmn-js and
// playwright-core from the repository's node_modules. The XML is handed to the page with
// page.evaluate (Chromium refuses fetch() of file:// URLs). The bpmn.io watermark stays visible, as
// the bpmn.io licence asks.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import process from 'node:process';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');

const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const PADDING = 30; // px around the diagram
const SCALE = 2; // device pixels per CSS pixel: sharp text in the README

function usage() {
  console.error('usage: render.mjs INPUT.bpmn OUTPUT.png');
  process.exit(2);
}

async function main() {
  const [input, output] = process.argv.slice(2);
  if (!input || !output) usage();

  const xml = await readFile(input, 'utf8');
  const bpmnJs = path.dirname(require.resolve('bpmn-js/package.json'));
  const assets = path.join(bpmnJs, 'dist', 'assets');

  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: CHROMIUM_FLAGS,
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1600, height: 900 }, deviceScaleFactor: SCALE });
    page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
    await page.setContent(
      '<!doctype html><html><head><meta charset="utf-8"><style>' +
        'html, body { margin: 0; padding: 0; background: #fff; }' +
        '#canvas { position: relative; width: 100vw; height: 100vh; }' +
        '</style></head><body><div id="canvas"></div></body></html>',
    );
    for (const css of ['diagram-js.css', 'bpmn-js.css', 'bpmn-font/css/bpmn-embedded.css']) {
      await page.addStyleTag({ path: path.join(assets, css) });
    }
    await page.addScriptTag({ path: path.join(bpmnJs, 'dist', 'bpmn-navigated-viewer.production.min.js') });

    // Import, then report the diagram's own size so that the viewport can fit it at 100 %.
    const size = await page.evaluate(async (diagramXml) => {
      const viewer = new window.BpmnJS({ container: '#canvas' });
      const { warnings } = await viewer.importXML(diagramXml);
      window.viewer = viewer;
      const box = viewer.get('canvas').viewbox().inner;
      return { width: box.width, height: box.height, warnings: warnings.map((w) => w.message) };
    }, xml);
    for (const warning of size.warnings) console.error(`import warning: ${warning}`);
    if (size.warnings.length) throw new Error(`${input}: bpmn-js reported ${size.warnings.length} import warning(s)`);

    await page.setViewportSize({
      width: Math.ceil(size.width + 2 * PADDING),
      height: Math.ceil(size.height + 2 * PADDING),
    });
    await page.evaluate((padding) => {
      const canvas = window.viewer.get('canvas');
      canvas.resized();
      const inner = canvas.viewbox().inner;
      canvas.viewbox({
        x: inner.x - padding,
        y: inner.y - padding,
        width: inner.width + 2 * padding,
        height: inner.height + 2 * padding,
      });
    }, PADDING);

    const watermark = await page.$('.bjs-powered-by');
    if (!watermark || !(await watermark.isVisible())) throw new Error('the bpmn.io watermark is not visible');

    await page.locator('#canvas').screenshot({ path: output });
    console.log(`${input} -> ${output}`);
  } finally {
    await browser.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
