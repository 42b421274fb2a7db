; Local settings that switch features: reads of an `experimental` settings group and zero-argument
; feature accessors on a settings/config object. The key of a group read is the dotted setting
; (`settings.merged.experimental?.voiceMode` → `experimental.voiceMode`), so it compares with the
; settings a product documents; an accessor's key is its method name (`config.isTrackerEnabled()`).

((member_expression
   object: (member_expression object: (_) @_holder property: (property_identifier) @_group)
   property: (property_identifier) @flag.key) @flag.read
 (#eq? @_group "experimental")
 (#not-match? @_holder "properties$")
 (#set! method "settings")
 (#set! key_kind "name")
 (#set! key_prefix "experimental."))

((call_expression
   function: (member_expression property: (property_identifier) @flag.key)
   arguments: (arguments) @_args) @flag.read
 (#eq? @_args "()")
 (#match? @flag.key "^(is[A-Z][A-Za-z0-9]*Enabled|getEnable[A-Z][A-Za-z0-9]*|getUse[A-Z][A-Za-z0-9]*|getExperimental[A-Z][A-Za-z0-9]*)$")
 (#set! anchor "Enabled\\s*\\(\\s*\\)|getEnable[A-Z]|getUse[A-Z]|getExperimental[A-Z]")
 (#set! method "accessor")
 (#set! key_kind "name"))
