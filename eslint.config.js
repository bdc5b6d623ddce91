import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.tools/', 'data/', 'coverage/'] },
  {
    files: ['src/db/orm.ts', 'drizzle.config.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': 'off' },
  },
  js.configs.recommended,
  { languageOptions: { globals: { ...globals.node } } },
  // The tab's pages are plain browser ES modules.
  { files: ['src/tab/public/**/*.js'], languageOptions: { globals: { ...globals.browser } } },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'always'],
      // drizzle is loaded through src/db/orm.ts (see why there); type-only imports are fine.
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['drizzle-orm', 'drizzle-orm/*'],
              allowTypeImports: true,
              message: 'Import drizzle values from src/db/orm.ts.',
            },
          ],
        },
      ],
      'no-console': 'off',
    },
  },
);
