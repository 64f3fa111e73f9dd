// The W3C Web Annotation conformance suite's MUST assertions (vendored in
// tests/w3c from web-platform-tests annotation-model), checked with a
// draft-04 JSON Schema validator as the suite's harness did.
import Ajv from 'ajv-draft-04';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './support.mjs';

const SUITE = join(ROOT, 'tests', 'w3c', 'wpt-annotation-model');
const read = (p) => JSON.parse(readFileSync(join(SUITE, p), 'utf8'));

// The harness's "fast" format checks.
const DATE_TIME = /^\d\d\d\d-[0-1]\d-[0-3]\d[t\s](?:[0-2]\d:[0-5]\d:[0-5]\d|23:59:60)(?:\.\d+)?(?:z|[+-]\d\d(?::?\d\d)?)$/i;
const URI = /^(?:[a-z][a-z0-9+\-.]*:)(?:\/?\/)?[^\s]*$/i;

export function mustAssertions() {
  const ajv = new Ajv({ strict: false, allErrors: false, validateSchema: false });
  ajv.addFormat('date-time', DATE_TIME);
  ajv.addFormat('uri', URI);
  for (const f of readdirSync(join(SUITE, 'definitions'))) ajv.addSchema(read(join('definitions', f)));
  const list = read(join('annotations', 'annotationMusts.test')).assertions;
  return list.map((path) => {
    const schema = read(path);
    return { path, message: schema.errorMessage, validate: ajv.compile(schema) };
  });
}

/** Every failed MUST assertion for `annotation` (empty when it conforms). */
export function failedMusts(assertions, annotation) {
  return assertions.filter((a) => !a.validate(annotation)).map((a) => `${a.path}: ${a.message}`);
}
