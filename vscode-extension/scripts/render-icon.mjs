// Renders images/icon.svg to images/icon.png (the marketplace wants a PNG) with the system Chromium.
// Run by hand after editing the SVG: node scripts/render-icon.mjs
import { chromium } from "playwright-core";
import { readFileSync } from "node:fs";

const svg = readFileSync(new URL("../images/icon.svg", import.meta.url), "utf8");
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
});
const page = await browser.newPage({ viewport: { width: 256, height: 256 } });
await page.setContent(`<html><body style="margin:0;background:transparent">${svg}</body></html>`);
await page.locator("svg").screenshot({ path: new URL("../images/icon.png", import.meta.url).pathname, omitBackground: true });
await browser.close();
