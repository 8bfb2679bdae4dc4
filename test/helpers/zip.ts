import { execFileSync } from 'node:child_process';

export interface ZipEntry {
  name: string;
  /** Unix mode bits (0 when the zip has none). */
  mode: number;
  size: number;
}

/** Lists a zip with Python's zipfile (a real, independent reader). */
export function listZip(file: string): ZipEntry[] {
  const script =
    'import json,sys,zipfile\n' +
    'z=zipfile.ZipFile(sys.argv[1])\n' +
    'print(json.dumps([{"name":i.filename,"mode":(i.external_attr>>16)&0o7777,"size":i.file_size} for i in z.infolist()]))';
  return JSON.parse(execFileSync('python3', ['-c', script, file], { encoding: 'utf8' }));
}

/** Reads one member of a zip as text. */
export function readZipMember(file: string, name: string): string {
  const script = 'import sys,zipfile\nsys.stdout.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]).decode())';
  return execFileSync('python3', ['-c', script, file, name], { encoding: 'utf8' });
}
