; Type-only flag registries: a TypeScript interface or object type named like `FeatureToggles` /
; `FeatureFlags` (often generated, e.g. `featureToggles.gen.d.ts`); each member name is a flag key.

((interface_declaration
   name: (type_identifier) @registry.name
   body: (interface_body) @registry.value)
 (#match? @registry.name "^[A-Za-z]*(Feature_?[Tt]oggles|Feature_?[Ff]lags)$")
 (#set! anchor "(?i)feature_?(?:toggles|flags)"))

((type_alias_declaration
   name: (type_identifier) @registry.name
   value: (object_type) @registry.value)
 (#match? @registry.name "^[A-Za-z]*(Feature_?[Tt]oggles|Feature_?[Ff]lags)$")
 (#set! anchor "(?i)feature_?(?:toggles|flags)"))
