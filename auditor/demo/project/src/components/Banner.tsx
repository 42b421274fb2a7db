import React from 'react';
import { useFlags } from 'launchdarkly-react-client-sdk';
import { IfFeatureEnabled } from '@growthbook/growthbook-react';

export function Banner() {
  const { darkMode } = useFlags();
  return (
    <div className={darkMode ? 'dark' : 'light'}>
      <IfFeatureEnabled feature="promo-banner">
        <p>Try the new agent!</p>
      </IfFeatureEnabled>
    </div>
  );
}
