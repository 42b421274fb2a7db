; OpenFeature evaluation API (any provider) (https://openfeature.dev/specification/sections/flag-evaluation)

((call_expression
   function: [(identifier) @flag.method
              (member_expression property: (property_identifier) @flag.method)
              (await_expression (identifier) @flag.method)
              (await_expression (member_expression property: (property_identifier) @flag.method))]
   arguments: (arguments) @flag.args) @flag.read
 (#any-of? @flag.method "getBooleanValue" "getBooleanDetails" "getStringValue" "getStringDetails" "getNumberValue" "getNumberDetails" "getObjectValue" "getObjectDetails" "useBooleanFlagValue" "useBooleanFlagDetails" "useStringFlagValue" "useStringFlagDetails" "useNumberFlagValue" "useNumberFlagDetails" "useObjectFlagValue" "useObjectFlagDetails")
 (#set! key_arg "0")
 (#set! default_arg "1"))

; OpenFeature React SDK (@openfeature/react-sdk): `useFlag(key, default)`, `useSuspenseFlag(key, default)`
; return a FlagQuery. Unleash's React SDK has a `useFlag` too: only with an OpenFeature import.
((call_expression
   function: [(identifier) @flag.method
              (member_expression property: (property_identifier) @flag.method)
              (await_expression (identifier) @flag.method)
              (await_expression (member_expression property: (property_identifier) @flag.method))]
   arguments: (arguments) @flag.args) @flag.read
 (#any-of? @flag.method "useFlag" "useSuspenseFlag")
 (#set! require_import "true")
 (#set! key_arg "0")
 (#set! default_arg "1"))
