; TypeScript-only symbol forms: enums, `as const` / `satisfies` objects and constants.

(enum_declaration
  name: (identifier) @symbol.container
  body: (enum_body
    (enum_assignment
      name: [(property_identifier) (string)] @symbol.name
      value: [(string) (template_string)] @symbol.value))
  (#set! kind "enum_member")
  (#set! anchor "enum"))

(program
  [(lexical_declaration (variable_declarator name: (identifier) @symbol.name value: [(as_expression (string) @symbol.value) (satisfies_expression (string) @symbol.value)]))
   (export_statement declaration: (lexical_declaration (variable_declarator name: (identifier) @symbol.name value: [(as_expression (string) @symbol.value) (satisfies_expression (string) @symbol.value)])))]
  (#set! kind "constant"))

(program
  [(lexical_declaration (variable_declarator
     name: (identifier) @symbol.container
     value: [(as_expression (object (pair key: [(property_identifier) (string)] @symbol.name value: [(string) (template_string) (as_expression (string))] @symbol.value)))
             (satisfies_expression (object (pair key: [(property_identifier) (string)] @symbol.name value: [(string) (template_string)] @symbol.value)))]))
   (export_statement declaration: (lexical_declaration (variable_declarator
     name: (identifier) @symbol.container
     value: [(as_expression (object (pair key: [(property_identifier) (string)] @symbol.name value: [(string) (template_string) (as_expression (string))] @symbol.value)))
             (satisfies_expression (object (pair key: [(property_identifier) (string)] @symbol.name value: [(string) (template_string)] @symbol.value)))])))]
  (#set! kind "object_member"))

(class_declaration
  name: (type_identifier) @symbol.container
  body: (class_body
    (public_field_definition
      "static"
      name: (property_identifier) @symbol.name
      value: (string) @symbol.value))
  (#set! kind "class_attribute")
  (#set! anchor "static"))
