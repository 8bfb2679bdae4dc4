import { unserialize } from 'php-serialize';

/** Stand-in for PHP's stdClass: unserialized objects are instances, arrays are plain objects. */
export class stdClass {
  [key: string]: any;
}

/** Decodes a PHP-serialized answer; `value instanceof stdClass` tells a PHP object from an array. */
export function unserializePhp(text: string): any {
  return unserialize(text, { stdClass }, { strict: true });
}

export function isPhpObject(value: unknown): value is stdClass {
  return value instanceof stdClass;
}

export function isPhpArray(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !(value instanceof stdClass);
}
