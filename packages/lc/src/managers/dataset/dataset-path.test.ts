import { describe, expect, it } from 'vitest';
import { makeRoots, resolveDatasetPath } from './dataset-path.js';

// Roots that do not exist stay as written, which keeps this test free of the file system.
const where = makeRoots(['/srv/sedna-data-test', '/mnt/sedna-extra-test']);

describe('resolveDatasetPath', () => {
  it('resolves absolute, relative and file:// urls inside the roots', () => {
    expect(resolveDatasetPath('/srv/sedna-data-test/a/train.txt', where)).toBe('/srv/sedna-data-test/a/train.txt');
    expect(resolveDatasetPath('a/../b/train.txt', where)).toBe('/srv/sedna-data-test/b/train.txt');
    expect(resolveDatasetPath('file:///mnt/sedna-extra-test/x%20y.csv', where)).toBe('/mnt/sedna-extra-test/x y.csv');
  });
  it('refuses paths that leave the roots, including look-alike prefixes', () => {
    expect(() => resolveDatasetPath('/srv/sedna-data-test-evil/x.txt', where)).toThrow(/is outside the dataset roots/);
    expect(() => resolveDatasetPath('../x.txt', where)).toThrow(/\/srv\/x.txt is outside the dataset roots \(\/srv\/sedna-data-test, \/mnt\/sedna-extra-test\)/);
  });
  it('says remote and unknown schemes are not supported, naming the url', () => {
    expect(() => resolveDatasetPath('http://host/x.txt', where)).toThrow(/^dataset url "http:\/\/host\/x.txt": http:\/\/ datasets are not implemented yet/);
    expect(() => resolveDatasetPath('ftp://host/x.txt', where)).toThrow(/unsupported scheme "ftp:\/\/"/);
    expect(() => resolveDatasetPath('file://otherhost/x.txt', where)).toThrow(/not a valid local file:\/\/ URL/);
  });
  it('needs absolute roots', () => {
    expect(() => makeRoots([])).toThrow(/at least one root/);
    expect(() => makeRoots(['data'])).toThrow('dataset manager: root "data" must be an absolute path');
  });
});
