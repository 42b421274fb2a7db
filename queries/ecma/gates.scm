; Gates: conditional constructs whose condition may read a flag (JavaScript, TypeScript, TSX).
; A match is only a candidate: auditor/extract/gates.py keeps it when a flag read (or a local
; variable assigned from one, one hop) lies inside @gate.condition, then refines the kind:
; `if` whose body only returns/throws → `early_return` (the rest of the block is the gated span);
; a ternary or `&&`/`||` under `...( )` → `spread`, inside `{ }` in JSX → `jsx`.
; Settings: kind (if, ternary, logical), operator (and, or) for logical gates.

(if_statement
  condition: (parenthesized_expression) @gate.condition
  consequence: (_) @gate.body
  alternative: (else_clause (_) @gate.alternative)?
  (#set! kind "if")) @gate

(ternary_expression
  condition: (_) @gate.condition
  consequence: (_) @gate.body
  alternative: (_) @gate.alternative
  (#set! kind "ternary")) @gate

(binary_expression
  left: (_) @gate.condition
  operator: "&&"
  right: (_) @gate.body
  (#set! kind "logical")
  (#set! operator "and")) @gate

(binary_expression
  left: (_) @gate.condition
  operator: "||"
  right: (_) @gate.body
  (#set! kind "logical")
  (#set! operator "or")) @gate
