; LaunchDarkly server, client and React SDKs (https://docs.launchdarkly.com/sdk)

((call_expression
   function: [(identifier) @flag.method
              (member_expression property: (property_identifier) @flag.method)
              (await_expression (identifier) @flag.method)
              (await_expression (member_expression property: (property_identifier) @flag.method))]
   arguments: (arguments) @flag.args) @flag.read
 (#any-of? @flag.method "variation" "variationDetail" "boolVariation" "boolVariationDetail" "stringVariation" "stringVariationDetail" "numberVariation" "numberVariationDetail" "jsonVariation" "jsonVariationDetail")
 (#set! key_arg "0")
 (#set! default_arg "last"))

; React SDK: `const { fooBar } = useFlags()` delivers camelCased keys.
((variable_declarator
   name: (object_pattern
     [(shorthand_property_identifier_pattern) @flag.key
      (pair_pattern key: (property_identifier) @flag.key)] @flag.read)
   value: (call_expression function: (identifier) @flag.method))
 (#eq? @flag.method "useFlags")
 (#set! key_kind "name")
 (#set! key_style "camel"))

; `useFlags().fooBar`
((member_expression
   object: (call_expression function: (identifier) @flag.method)
   property: (property_identifier) @flag.key) @flag.read
 (#eq? @flag.method "useFlags")
 (#set! key_kind "name")
 (#set! key_style "camel"))

; `flags.fooBar`, `props.flags.fooBar`, `this.props.flags.fooBar` (useFlags() result, withLDConsumer
; props): only kept in files that import a LaunchDarkly package.
((member_expression
   object: [(identifier) @_flags (member_expression property: (property_identifier) @_flags)]
   property: (property_identifier) @flag.key) @flag.read
 (#eq? @_flags "flags")
 (#set! anchor "flags(?:\\s|//[^\\n]*\\n|/\\*(?:[^*]|\\*(?!/))*\\*/)*\\??\\.")
 (#set! method "flags")
 (#set! key_kind "name")
 (#set! key_style "camel")
 (#set! require_import "true"))
