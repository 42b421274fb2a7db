; Module-level string constants and class attributes (Enum members, constant holders).

(module
  (expression_statement
    (assignment left: (identifier) @symbol.name right: (string) @symbol.value))
  (#set! kind "constant"))

(class_definition
  name: (identifier) @symbol.container
  body: (block
    (expression_statement
      (assignment left: (identifier) @symbol.name right: (string) @symbol.value)))
  (#set! kind "class_attribute")
  (#set! anchor "class"))
