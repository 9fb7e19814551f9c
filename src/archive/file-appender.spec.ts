import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppendOnlyFile } from './file-appender';

describe(AppendOnlyFile.name, () => {
  let dir: string;
  let path: string;
  let sut: AppendOnlyFile;

  beforeEach(async () => {
    dir = await fs.mkdtemp(join(tmpdir(), 'file-appender-'));
    path = join(dir, 'day.jsonl');
    sut = new AppendOnlyFile();
  });

  afterEach(async () => {
    await sut.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('creates the file, appends in order, and answers the size before each append', async () => {
    expect(await sut.append(path, 'one\n')).toBe(0);
    expect(await sut.append(path, 'two ✓\n')).toBe(4);
    expect(await sut.append(path, 'three\n')).toBe(4 + Buffer.byteLength('two ✓\n'));
    expect(await fs.readFile(path, 'utf8')).toBe('one\ntwo ✓\nthree\n');
  });

  it('counts what another writer appended meanwhile in the size', async () => {
    await sut.append(path, 'one\n');
    await fs.appendFile(path, 'other\n');
    expect(await sut.append(path, 'two\n')).toBe(10);
    expect(await fs.readFile(path, 'utf8')).toBe('one\nother\ntwo\n');
  });

  it('writes to a new file at the path when the one it had open was deleted', async () => {
    await sut.append(path, 'one\n');
    await fs.rm(path);
    expect(await sut.append(path, 'two\n')).toBe(0);
    expect(await fs.readFile(path, 'utf8')).toBe('two\n');
  });

  it('writes to the file the path names now when the open one was moved away', async () => {
    await sut.append(path, 'one\n');
    await fs.rename(path, join(dir, 'moved.jsonl'));
    await fs.writeFile(path, 'new\n');
    expect(await sut.append(path, 'two\n')).toBe(4);
    expect(await fs.readFile(path, 'utf8')).toBe('new\ntwo\n');
    expect(await fs.readFile(join(dir, 'moved.jsonl'), 'utf8')).toBe('one\n');
  });

  it('opens the file again after close, and moves on to another path', async () => {
    await sut.append(path, 'one\n');
    await sut.close();
    expect(await sut.append(path, 'two\n')).toBe(4);
    const other = join(dir, 'next-day.jsonl');
    expect(await sut.append(other, 'three\n')).toBe(0);
    expect(await fs.readFile(path, 'utf8')).toBe('one\ntwo\n');
    expect(await fs.readFile(other, 'utf8')).toBe('three\n');
  });

  it('rejects when the directory is gone, and writes again once it is back', async () => {
    await sut.append(path, 'one\n');
    await fs.rm(dir, { recursive: true, force: true });
    await expect(sut.append(path, 'two\n')).rejects.toThrow(/ENOENT/);
    await fs.mkdir(dir);
    expect(await sut.append(path, 'three\n')).toBe(0);
    expect(await fs.readFile(path, 'utf8')).toBe('three\n');
  });
});
