/**
 * Finds the error codes the source produces, by parsing each file with the
 * TypeScript parser (syntax only: no type checker, so it is fast and does not
 * care whether the program currently type-checks). A code is a string literal
 * of code shape (UPPER_SNAKE with at least one underscore) in a position that
 * produces a code:
 *
 * - an argument in a code position of a call or `new`: a parameter named
 *   `code` / `...Code`, or typed with an error-code type (`ErrorCode`,
 *   `AwsErrorCode`, `keyof typeof DIFF_ERROR_CODES`, ...), of a function,
 *   method or constructor declared anywhere in the scanned files (so
 *   `new GitopsError('X', ...)`, `httpError(404, 'X', ...)`, `this.#fail(d, m, 'X')`,
 *   `errorCodeOf(err, 'X')`); a subclass without its own constructor inherits
 *   its base class's code positions;
 * - the default value of such a parameter;
 * - the value of a `code:` property in an object literal (problem records,
 *   status errors, JSON error bodies);
 * - what a function named `...code...` or declared to return an error-code
 *   type returns (a code chosen by a mapping function);
 * - the initializer of a variable named `...code...` or typed with an
 *   error-code type, object-literal values included (a code chosen in a table
 *   such as `const CODE = { missing: 'X' }`), but not the elements of arrays
 *   or Sets (a set of codes classifies codes, it produces none);
 * - a message that starts with the code: `'X: ...'` or `'error X: ...'`
 *   (command output that prints a code).
 *
 * Through any of these, the literal may sit in `a ? 'X' : 'Y'`, `a ?? 'X'`,
 * `a || 'X'`, parentheses or `as` / `satisfies`. Comparisons
 * (`err.code === 'X'`) and types (`code: 'X' | 'Y'`) produce nothing.
 */
import ts from 'typescript';

export const CODE_SHAPE = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/;
const MESSAGE_PREFIX = /^(?:error )?([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+): /;
const CODE_TYPE = /ErrorCode\b|_ERROR_CODES\b/;
const CODE_NAME = /^code$|Code$/;

export interface SourceText {
  readonly file: string;
  readonly text: string;
}

export interface CodeSite {
  readonly code: string;
  readonly file: string;
  readonly line: number;
}

/** Callable name -> indexes of its code parameters. Functions and methods are kept apart (`error(...)` is not `logger.error(...)`). */
export interface CodeParams {
  readonly functions: Map<string, Set<number>>;
  readonly methods: Map<string, Set<number>>;
}

function parse(source: SourceText): ts.SourceFile {
  return ts.createSourceFile(source.file, source.text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
}

function nameText(name: ts.Node | undefined): string | undefined {
  if (name && (ts.isIdentifier(name) || ts.isPrivateIdentifier(name) || ts.isStringLiteral(name))) return name.text;
  return undefined;
}

function isCodeParameter(parameter: ts.ParameterDeclaration, sourceFile: ts.SourceFile): boolean {
  const name = nameText(parameter.name);
  if (name !== undefined && CODE_NAME.test(name)) return true;
  return parameter.type !== undefined && CODE_TYPE.test(parameter.type.getText(sourceFile));
}

function codeIndexes(parameters: ts.NodeArray<ts.ParameterDeclaration>, sourceFile: ts.SourceFile): Set<number> {
  const indexes = new Set<number>();
  parameters.forEach((p, i) => {
    if (isCodeParameter(p, sourceFile)) indexes.add(i);
  });
  return indexes;
}

function add(map: Map<string, Set<number>>, name: string, indexes: Set<number>): void {
  if (indexes.size === 0) return;
  const known = map.get(name) ?? new Set<number>();
  for (const i of indexes) known.add(i);
  map.set(name, known);
}

/** Every function, method and constructor with a code parameter, by name. */
export function collectCodeParams(sources: readonly SourceText[]): CodeParams {
  const functions = new Map<string, Set<number>>();
  const methods = new Map<string, Set<number>>();
  const inherits: Array<{ readonly name: string; readonly base: string }> = [];
  for (const source of sources) {
    const sourceFile = parse(source);
    const visit = (node: ts.Node): void => {
      if (ts.isFunctionDeclaration(node) && node.name) {
        add(functions, node.name.text, codeIndexes(node.parameters, sourceFile));
      } else if (ts.isVariableDeclaration(node) && node.initializer && (ts.isArrowFunction(node.initializer) || ts.isFunctionExpression(node.initializer))) {
        const name = nameText(node.name);
        if (name !== undefined) add(functions, name, codeIndexes(node.initializer.parameters, sourceFile));
      } else if (ts.isMethodDeclaration(node)) {
        const name = nameText(node.name);
        if (name !== undefined) add(methods, name, codeIndexes(node.parameters, sourceFile));
      } else if (ts.isPropertyAssignment(node) && (ts.isArrowFunction(node.initializer) || ts.isFunctionExpression(node.initializer))) {
        const name = nameText(node.name);
        if (name !== undefined) add(methods, name, codeIndexes(node.initializer.parameters, sourceFile));
      } else if (ts.isClassDeclaration(node) && node.name) {
        const constructor = node.members.find(ts.isConstructorDeclaration);
        if (constructor) {
          add(functions, node.name.text, codeIndexes(constructor.parameters, sourceFile));
        } else {
          const base = node.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword)?.types[0]?.expression;
          if (base && ts.isIdentifier(base)) inherits.push({ name: node.name.text, base: base.text });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(sourceFile);
  }
  // Subclasses without a constructor take their base's (chains resolve in a few rounds).
  for (let round = 0; round < inherits.length; round++) {
    for (const { name, base } of inherits) {
      const indexes = functions.get(base);
      if (indexes) add(functions, name, indexes);
    }
  }
  return { functions, methods };
}

/** The string literals an expression can evaluate to, looking through conditionals, fallbacks and casts. */
function literals(expression: ts.Expression | undefined, tables: boolean): ts.StringLiteralLike[] {
  if (!expression) return [];
  if (ts.isStringLiteral(expression) || ts.isNoSubstitutionTemplateLiteral(expression)) return [expression];
  if (ts.isParenthesizedExpression(expression) || ts.isAsExpression(expression) || ts.isSatisfiesExpression(expression)
    || ts.isTypeAssertionExpression(expression) || ts.isNonNullExpression(expression)) {
    return literals(expression.expression, tables);
  }
  if (ts.isConditionalExpression(expression)) return [...literals(expression.whenTrue, tables), ...literals(expression.whenFalse, tables)];
  if (ts.isBinaryExpression(expression)) {
    const op = expression.operatorToken.kind;
    if (op === ts.SyntaxKind.QuestionQuestionToken || op === ts.SyntaxKind.BarBarToken) {
      return [...literals(expression.left, tables), ...literals(expression.right, tables)];
    }
    if (op === ts.SyntaxKind.AmpersandAmpersandToken) return literals(expression.right, tables);
    return [];
  }
  if (tables && ts.isObjectLiteralExpression(expression)) {
    return expression.properties.flatMap((p) => (ts.isPropertyAssignment(p) ? literals(p.initializer, tables) : []));
  }
  return [];
}

function calleeOf(expression: ts.LeftHandSideExpression): { readonly kind: 'functions' | 'methods'; readonly name: string } | undefined {
  if (ts.isIdentifier(expression)) return { kind: 'functions', name: expression.text };
  if (ts.isPropertyAccessExpression(expression)) return { kind: 'methods', name: expression.name.text };
  return undefined;
}

function enclosingFunction(node: ts.Node): ts.SignatureDeclaration | undefined {
  for (let current = node.parent; current; current = current.parent) {
    if (ts.isFunctionDeclaration(current) || ts.isFunctionExpression(current) || ts.isArrowFunction(current)
      || ts.isMethodDeclaration(current) || ts.isConstructorDeclaration(current) || ts.isGetAccessorDeclaration(current)) {
      return current;
    }
  }
  return undefined;
}

function functionName(fn: ts.SignatureDeclaration): string | undefined {
  const own = nameText(fn.name);
  if (own !== undefined) return own;
  const parent = fn.parent;
  if (parent && (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent))) return nameText(parent.name);
  return undefined;
}

/** Whether `fn` chooses a code: its name says so, or its declared return type is an error-code type. */
function returnsCode(fn: ts.SignatureDeclaration, sourceFile: ts.SourceFile): boolean {
  const name = functionName(fn);
  if (name !== undefined && /code/i.test(name)) return true;
  return fn.type !== undefined && CODE_TYPE.test(fn.type.getText(sourceFile));
}

/** Every code-shaped literal the sources produce, with where. */
export function scanProducedCodes(sources: readonly SourceText[], params: CodeParams): CodeSite[] {
  const sites: CodeSite[] = [];
  for (const source of sources) {
    const sourceFile = parse(source);
    const record = (nodes: readonly ts.StringLiteralLike[]): void => {
      for (const node of nodes) {
        if (!CODE_SHAPE.test(node.text)) continue;
        sites.push({ code: node.text, file: source.file, line: sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile)).line + 1 });
      }
    };
    const visit = (node: ts.Node): void => {
      if ((ts.isCallExpression(node) || ts.isNewExpression(node)) && node.arguments) {
        const callee = calleeOf(node.expression);
        const indexes = callee ? params[callee.kind].get(callee.name) : undefined;
        for (const i of indexes ?? []) record(literals(node.arguments[i], false));
      } else if (ts.isParameter(node) && node.initializer && isCodeParameter(node, sourceFile)) {
        record(literals(node.initializer, false));
      } else if (ts.isPropertyAssignment(node) && nameText(node.name) === 'code') {
        record(literals(node.initializer, false));
      } else if (ts.isReturnStatement(node) || (node.parent && ts.isArrowFunction(node.parent) && node.parent.body === node && ts.isExpression(node))) {
        const fn = ts.isReturnStatement(node) ? enclosingFunction(node) : node.parent as ts.ArrowFunction;
        const value = ts.isReturnStatement(node) ? node.expression : node as ts.Expression;
        if (fn && returnsCode(fn, sourceFile)) record(literals(value, false));
      } else if (ts.isVariableDeclaration(node) && node.initializer) {
        const name = nameText(node.name);
        const typed = node.type !== undefined && CODE_TYPE.test(node.type.getText(sourceFile));
        if (typed || (name !== undefined && /code/i.test(name))) record(literals(node.initializer, true));
      }
      if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateHead(node)) {
        const match = MESSAGE_PREFIX.exec(node.text);
        if (match?.[1] !== undefined) {
          sites.push({ code: match[1], file: source.file, line: sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile)).line + 1 });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(sourceFile);
  }
  return sites;
}
