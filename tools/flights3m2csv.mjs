// Converts vega-datasets' data/flights-3m.parquet to CSV (date,delay,distance,origin,destination); run once by hand,
// never by the build: see src/main/resources/datasets/README.md for the commands that made flights-200k.csv.gz.
// flights3m2csv.mjs IN.parquet OUT.csv [maxRows]
import { compressors } from 'hyparquet-compressors'
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet'
import fs from 'node:fs'
const [inp, out, maxArg] = process.argv.slice(2)
const file = await asyncBufferFromFile(inp)
const md = await parquetMetadataAsync(file)
const n = Math.min(Number(md.num_rows), maxArg ? Number(maxArg) : Infinity)
const w = fs.createWriteStream(out); w.write('date,delay,distance,origin,destination\n')
for (let s = 0; s < n; s += 250000) {
  const rows = await parquetReadObjects({ file, compressors, rowStart: s, rowEnd: Math.min(n, s + 250000) })
  let buf = ''; for (const r of rows) buf += `${r.date.toISOString().slice(0,16).replace('T',' ')},${r.delay},${r.distance},${r.origin},${r.destination}\n`
  if (!w.write(buf)) await new Promise(res => w.once('drain', res))
}
w.end()
