/** The hourglass mark (drawn, so it does not depend on the fonts installed). */
export function Logo({ size = 18 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path d="M6 2h12v2c0 3-2.5 5.5-4.5 8 2 2.5 4.5 5 4.5 8v2H6v-2c0-3 2.5-5.5 4.5-8C8.5 9.5 6 7 6 4V2z" fill="none" stroke="currentColor" strokeWidth="2" strokeLinejoin="round" />
      <path d="M9 20c0-2 1.5-3.5 3-5 1.5 1.5 3 3 3 5z" fill="currentColor" />
    </svg>
  );
}
