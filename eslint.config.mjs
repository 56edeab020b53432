// Lint rules for the program, its scripts and tests, and the policy pack: the TypeScript
// recommended set with type information, plus Pulumi's own rules (no Output inside a template
// literal, where it would print "Calling [toString] on an [Output<T>]" instead of the value).
import js from "@eslint/js";
import pulumi from "@pulumi/eslint-plugin";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "policy/node_modules/", "bin/", "tests/engine/fixtures/*/node_modules/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { "@pulumi": pulumi },
    rules: {
      "@pulumi/no-output-in-template-literal": "error",
      "@pulumi/no-output-instance-in-template-literal": "error",
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // Dynamic providers are serialized with their closure: they require their modules inside
    // their methods, and a top-level import would be captured and break the serialization.
    files: ["components/**/*.ts"],
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    // Tests and their harness read back what the mocks and the engine recorded: untyped JSON resource inputs.
    files: ["tests/**/*.ts", "harness/**/*.ts", "policy/tests/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
);
