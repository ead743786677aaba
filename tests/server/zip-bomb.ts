// An .xlsx "zip bomb" for the import's bad-input tests: a real workbook from exceljs whose sheet part
// is replaced by one that inflates to hundreds of MB of blanks, yet the file is a few hundred KB.
// Written here with node:zlib (native, fast) in a plain zip container, because JSZip's own deflate
// (pure JS) takes many seconds for this much data; `lie` also declares the sheet's sizes as tiny,
// as a crafted file would, so a guard must count what really inflates.
import { constants, crc32, createDeflateRaw } from 'node:zlib';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';

const SHEET = 'xl/worksheets/sheet1.xml';

async function deflatedBlanks(megabytes: number): Promise<{ data: Buffer; crc: number; size: number }> {
  const chunk = Buffer.alloc(1024 * 1024, ' ');
  const deflate = createDeflateRaw({ level: constants.Z_BEST_COMPRESSION });
  const out: Buffer[] = [];
  deflate.on('data', (b: Buffer) => out.push(b));
  const done = new Promise((resolve, reject) => deflate.on('end', resolve).on('error', reject));
  let crc = 0;
  for (let i = 0; i < megabytes; i++) {
    crc = crc32(chunk, crc);
    if (!deflate.write(chunk)) await new Promise((resolve) => deflate.once('drain', resolve));
  }
  deflate.end();
  await done;
  return { data: Buffer.concat(out), crc, size: megabytes * chunk.length };
}

/** A zip of the given entries, each already compressed (method 8) or stored (0). */
function zipOf(entries: { name: string; data: Buffer; method: 0 | 8; crc: number; size: number }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    // The fields the local header and the central directory share, from `at` on in each.
    const shared = (header: Buffer, at: number) => {
      header.writeUInt16LE(e.method, at);
      header.writeUInt32LE(e.crc >>> 0, at + 6);
      header.writeUInt32LE(e.data.length, at + 10);
      header.writeUInt32LE(e.size, at + 14);
      header.writeUInt16LE(name.length, at + 18);
      return header;
    };
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    shared(local, 8);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    shared(central, 10);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, e.data);
    centrals.push(central, name);
    offset += local.length + name.length + e.data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** The workbook of the import template's headers, its sheet inflating to `megabytes` MB. */
export async function xlsxBomb(megabytes: number, lie = false): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  book.addWorksheet('人员').addRow(['姓名', '用户名', '手机号', '村', '角色', '身份/组织']);
  const parts = await JSZip.loadAsync(Buffer.from(await book.xlsx.writeBuffer()));
  const entries = [];
  for (const [name, file] of Object.entries(parts.files)) {
    if (file.dir) continue;
    if (name === SHEET) {
      const bomb = await deflatedBlanks(megabytes);
      entries.push({ name, data: bomb.data, method: 8 as const, crc: bomb.crc, size: lie ? 1024 : bomb.size });
    } else {
      const data = await file.async('nodebuffer');
      entries.push({ name, data, method: 0 as const, crc: crc32(data), size: data.length });
    }
  }
  return zipOf(entries);
}
