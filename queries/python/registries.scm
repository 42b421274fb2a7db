; Flag registries by name: a module-level dict assigned to a SCREAMING name ending in FEATURE_FLAGS
; or FEATURE_TOGGLES (`DEFAULT_FEATURE_FLAGS: dict[str, bool] = {"X": False}`); each key is a flag key.

((assignment
   left: (identifier) @registry.name
   right: (dictionary) @registry.value)
 (#match? @registry.name "^[A-Z0-9_]*FEATURE_(FLAGS|TOGGLES)$")
 (#set! anchor "FEATURE_(?:FLAGS|TOGGLES)"))
