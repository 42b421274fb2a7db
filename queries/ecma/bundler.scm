; Compile-time feature flags: `import { feature } from "bun:bundle"; if (feature("NAME")) ...`
; The bundler replaces each call with a constant and drops the dead branch; source maps keep it.

((call_expression
   function: (identifier) @flag.method
   arguments: (arguments) @flag.args) @flag.read
 (#eq? @flag.method "feature")
 (#set! anchor "feature(?:\\s|//[^\\n]*\\n|/\\*(?:[^*]|\\*(?!/))*\\*/)*\\(")
 (#set! key_arg "0")
 (#set! require_import "true"))
