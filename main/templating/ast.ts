/** The template syntax tree (Jinja2's node kinds that job templates can use). Positions are 1-based. */

interface At {
  readonly line: number;
  readonly col: number;
}

export type Expr =
  | (At & { kind: 'const'; value: null | boolean | bigint | number | string })
  | (At & { kind: 'name'; name: string })
  | (At & { kind: 'tuple'; items: Expr[] })
  | (At & { kind: 'list'; items: Expr[] })
  | (At & { kind: 'dict'; items: [Expr, Expr][] })
  | (At & { kind: 'getattr'; target: Expr; attr: string })
  | (At & { kind: 'getitem'; target: Expr; key: Expr })
  | (At & { kind: 'slice'; start: Expr | null; stop: Expr | null; step: Expr | null })
  | (At & { kind: 'call'; callee: Expr; args: CallArgs })
  | (At & { kind: 'filter'; name: string; subject: Expr | null; args: CallArgs })
  | (At & { kind: 'test'; name: string; subject: Expr; args: CallArgs })
  | (At & { kind: 'binary'; op: string; left: Expr; right: Expr })
  | (At & { kind: 'unary'; op: 'not' | '-' | '+'; operand: Expr })
  | (At & { kind: 'and' | 'or'; left: Expr; right: Expr })
  | (At & { kind: 'concat'; items: Expr[] })
  | (At & { kind: 'compare'; first: Expr; ops: { op: string; expr: Expr }[] })
  | (At & { kind: 'condexpr'; test: Expr; body: Expr; otherwise: Expr | null });

export interface CallArgs {
  readonly positional: Expr[];
  readonly keywords: { name: string; value: Expr; line: number; col: number }[];
  readonly star: Expr | null;
  readonly starstar: Expr | null;
}

/** An assignment target: a name, a tuple of targets, or `namespace.attr`. */
export type Target =
  | (At & { kind: 'name'; name: string })
  | (At & { kind: 'tuple'; items: Target[] })
  | (At & { kind: 'nsref'; name: string; attr: string });

export interface MacroDef {
  readonly name: string;
  readonly params: { name: string; line: number; col: number }[];
  readonly defaults: Expr[];
  readonly body: Stmt[];
}

export type Stmt =
  | (At & { kind: 'data'; text: string })
  | (At & { kind: 'output'; expr: Expr })
  | (At & {
      kind: 'for';
      target: Target;
      iter: Expr;
      filter: Expr | null;
      recursive: boolean;
      body: Stmt[];
      otherwise: Stmt[];
    })
  | (At & { kind: 'if'; test: Expr; body: Stmt[]; otherwise: Stmt[] })
  | (At & { kind: 'set'; target: Target; value: Expr })
  | (At & { kind: 'setblock'; target: Target; filter: Expr | null; body: Stmt[] })
  | (At & { kind: 'with'; targets: Target[]; values: Expr[]; body: Stmt[] })
  | (At & { kind: 'macro'; macro: MacroDef })
  | (At & { kind: 'callblock'; call: Expr; macro: MacroDef })
  | (At & { kind: 'filterblock'; filter: Expr; body: Stmt[] })
  /** A construct we cannot render as Apsis does: refused at load (SPEC 7). */
  | (At & { kind: 'unsupported'; what: string });
