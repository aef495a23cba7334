// The subpaths of a package's exports map, and which optional peer dependency a subpath needs (that the consumer
// project deliberately does not install, to prove the rest works without it).
const NEEDS_OPTIONAL_PEER = { '@oms/domain/testing/contract': 'vitest' };

const subpathsOf = (name, manifest) =>
  Object.keys(manifest.exports ?? {})
    .filter((subpath) => !subpath.endsWith('.json'))
    .map((subpath) => {
      const specifier = subpath === '.' ? name : `${name}/${subpath.slice(2)}`;
      return { specifier, needs: NEEDS_OPTIONAL_PEER[specifier] };
    });

/** The error Node gives when a module imports a package that is not installed. */
const OPTIONAL_PEER_MISSING = (name) =>
  new RegExp(`Cannot find (module|package) '${name.replace('/', '\\/')}'`);

module.exports = { subpathsOf, OPTIONAL_PEER_MISSING };
