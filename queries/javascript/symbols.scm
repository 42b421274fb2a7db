; JavaScript-only symbol forms (compiled output).

; A TypeScript string enum as tsc emits it:
;   (function (Mode) { Mode["Fast"] = "fast"; })(Mode || (Mode = {}));
; (comments may come before the first member: tsc keeps JSDoc and line comments)
(call_expression
  function: (parenthesized_expression
    (function_expression
      parameters: (formal_parameters . (identifier) @_param .)
      body: (statement_block
        (expression_statement
          (assignment_expression
            left: (subscript_expression object: (identifier) @symbol.container index: (string) @symbol.name)
            right: (string) @symbol.value)))))
  (#eq? @_param @symbol.container)
  (#set! kind "enum_member")
  (#set! anchor "\\(\\s*function\\s*\\(\\s*[\\w$]+\\s*\\)\\s*\\{(?:\\s|//[^\\n]*|/\\*(?:[^*]|\\*(?!/))*\\*/)*[\\w$]+\\s*\\["))
