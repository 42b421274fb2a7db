; GrowthBook React: <IfFeatureEnabled feature="key"> ... </IfFeatureEnabled> (https://docs.growthbook.io/lib/react)

((jsx_opening_element
   name: (identifier) @flag.method
   attribute: (jsx_attribute (property_identifier) @_attr
     [(string) @flag.key (jsx_expression (_) @flag.key)])) @flag.read
 (#any-of? @flag.method "IfFeatureEnabled" "FeatureString")
 (#eq? @_attr "feature"))

((jsx_self_closing_element
   name: (identifier) @flag.method
   attribute: (jsx_attribute (property_identifier) @_attr
     [(string) @flag.key (jsx_expression (_) @flag.key)])) @flag.read
 (#any-of? @flag.method "IfFeatureEnabled" "FeatureString")
 (#eq? @_attr "feature"))
