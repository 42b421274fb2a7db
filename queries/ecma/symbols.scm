; String constants and object members a flag key may refer to. Only module-level declarations
; (a `const` inside a function is resolved where it is used, by the extractor's scope check).

(program
  [(lexical_declaration (variable_declarator name: (identifier) @symbol.name value: [(string) (template_string)] @symbol.value))
   (variable_declaration (variable_declarator name: (identifier) @symbol.name value: [(string) (template_string)] @symbol.value))
   (export_statement declaration: (lexical_declaration (variable_declarator name: (identifier) @symbol.name value: [(string) (template_string)] @symbol.value)))
   (export_statement declaration: (variable_declaration (variable_declarator name: (identifier) @symbol.name value: [(string) (template_string)] @symbol.value)))]
  (#set! kind "constant"))

(program
  [(lexical_declaration (variable_declarator name: (identifier) @symbol.container value: (object (pair key: [(property_identifier) (string)] @symbol.name value: [(string) (template_string)] @symbol.value))))
   (variable_declaration (variable_declarator name: (identifier) @symbol.container value: (object (pair key: [(property_identifier) (string)] @symbol.name value: [(string) (template_string)] @symbol.value))))
   (export_statement declaration: (lexical_declaration (variable_declarator name: (identifier) @symbol.container value: (object (pair key: [(property_identifier) (string)] @symbol.name value: [(string) (template_string)] @symbol.value)))))
   (export_statement declaration: (variable_declaration (variable_declarator name: (identifier) @symbol.container value: (object (pair key: [(property_identifier) (string)] @symbol.name value: [(string) (template_string)] @symbol.value)))))]
  (#set! kind "object_member"))

; `Flags.X = "x"` and `module.exports.X = "x"`-style members assigned one by one.
(expression_statement
  (assignment_expression
    left: (member_expression
      object: (identifier) @symbol.container
      property: (property_identifier) @symbol.name)
    right: (string) @symbol.value)
  (#set! kind "object_member")
  (#set! anchor "\\.\\s*[\\w$]+\\s*=\\s*[\"']"))

; Module exports as objects: `export default { X: "x" }` (container `default`),
; `module.exports = { X: "x" }` and `module.exports.X = "x"` (container `exports`, like `exports.X`).
(program
  (export_statement
    "default" @symbol.container
    value: (object (pair key: [(property_identifier) (string)] @symbol.name value: [(string) (template_string)] @symbol.value)))
  (#set! kind "object_member"))

(expression_statement
  (assignment_expression
    left: (member_expression object: (identifier) @_module property: (property_identifier) @symbol.container)
    right: (object (pair key: [(property_identifier) (string)] @symbol.name value: [(string) (template_string)] @symbol.value)))
  (#eq? @_module "module")
  (#eq? @symbol.container "exports")
  (#set! anchor "exports(?:\\s|//[^\\n]*\\n|/\\*(?:[^*]|\\*(?!/))*\\*/)*=(?:\\s|//[^\\n]*\\n|/\\*(?:[^*]|\\*(?!/))*\\*/)*\\{")
  (#set! kind "object_member"))

(expression_statement
  (assignment_expression
    left: (member_expression
      object: (member_expression object: (identifier) @_module property: (property_identifier) @symbol.container)
      property: (property_identifier) @symbol.name)
    right: (string) @symbol.value)
  (#eq? @_module "module")
  (#eq? @symbol.container "exports")
  (#set! anchor "exports(?:\\s|//[^\\n]*\\n|/\\*(?:[^*]|\\*(?!/))*\\*/)*\\??\\.(?:\\s|//[^\\n]*\\n|/\\*(?:[^*]|\\*(?!/))*\\*/)*[^=\\s]+(?:\\s|//[^\\n]*\\n|/\\*(?:[^*]|\\*(?!/))*\\*/)*=(?:\\s|//[^\\n]*\\n|/\\*(?:[^*]|\\*(?!/))*\\*/)*[\"']")
  (#set! kind "object_member"))

; Objects of constants assigned in a function, as esbuild's lazy module initialisers write them:
; `var init_tool_names = __esm({ "tool-names.ts"() { ToolNames = { READ_FILE: "read_file" } } })`.
(expression_statement
  (assignment_expression
    left: (identifier) @symbol.container
    right: (object (pair key: [(property_identifier) (string)] @symbol.name value: [(string) (template_string)] @symbol.value)))
  (#match? @symbol.container "^[A-Z][A-Za-z0-9_$]{2,}$")
  (#set! anchor "(?<![\\w$])[A-Z][\\w$]{2,}\\s*=\\s*\\{")
  (#set! kind "object_member"))
