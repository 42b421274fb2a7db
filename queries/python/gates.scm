; Gates in Python: if/elif/else, conditional expressions, `and`/`or`, and flag decorators
; (`@waffle_flag("x")`, `@flag_required("x")`): the decorated definition is the gated span.
; auditor/extract/gates.py keeps a match only when a flag read, or a variable assigned from one
; (one hop), lies inside @gate.condition.

(if_statement
  condition: (_) @gate.condition
  consequence: (block) @gate.body
  alternative: (_)* @gate.alternative
  (#set! kind "if")) @gate

(elif_clause
  condition: (_) @gate.condition
  consequence: (block) @gate.body
  (#set! kind "if")) @gate

(conditional_expression
  (_) @gate.body
  "if"
  (_) @gate.condition
  "else"
  (_) @gate.alternative
  (#set! kind "ternary")) @gate

(boolean_operator
  left: (_) @gate.condition
  operator: "and"
  right: (_) @gate.body
  (#set! kind "logical")
  (#set! operator "and")) @gate

(boolean_operator
  left: (_) @gate.condition
  operator: "or"
  right: (_) @gate.body
  (#set! kind "logical")
  (#set! operator "or")) @gate

(decorated_definition
  (decorator) @gate.condition
  definition: (_) @gate.body
  (#set! kind "decorator")) @gate
