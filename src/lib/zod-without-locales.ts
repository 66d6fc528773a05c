// zod's classic entry point ("zod"), minus its `locales` and `core` namespaces, which the
// Worker's bundle resolves "zod" to (wrangler.toml [alias]; the tests do the same).
//
// Why: @hono/zod-openapi hands the whole `z` namespace to zod-to-openapi, which makes the
// bundler keep every member of it, and `locales` alone is every language's error messages
// (about 260 KiB of a minified bundle, 40 KiB gzipped). English, the one used, is loaded by
// the schemas themselves. The list follows zod/v4/classic/external.js of the installed
// version; test/lib/zod-without-locales.test.ts fails if zod's exports change.
import * as z from "./zod-classic-members.ts";

export * from "./zod-classic-members.ts";
export { z, z as default };
