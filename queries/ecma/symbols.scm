; String constants and object members a flag key may refer to.

(variable_declarator
  name: (identifier) @symbol.name
  value: [(string) (template_string)] @symbol.value
  (#set! kind "constant"))

(variable_declarator
  name: (identifier) @symbol.container
  value: (object
    (pair
      key: [(property_identifier) (string)] @symbol.name
      value: [(string) (template_string)] @symbol.value))
  (#set! kind "object_member"))

(assignment_expression
  left: (member_expression
    object: (identifier) @symbol.container
    property: (property_identifier) @symbol.name)
  right: (string) @symbol.value
  (#set! kind "object_member"))
