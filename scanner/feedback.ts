import type { Outcome } from './api.ts';

/**
 * A buzz and a tone per answer, so door staff need not look at the screen. One AudioContext for the page's life
 * (a browser allows only a few, and one per scan was never closed), created at the first answer and resumed if
 * the browser suspended it.
 */

let audio: AudioContext | null = null;

export function feedback(outcome: Outcome): void {
  navigator.vibrate?.(outcome === 'accepted' ? 80 : [80, 60, 80]);
  try {
    audio ??= new AudioContext();
    if (audio.state === 'suspended') void audio.resume().catch(() => {});
    const tone = audio.createOscillator();
    tone.frequency.value = outcome === 'accepted' ? 880 : 220;
    tone.connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + 0.12);
    tone.onended = () => tone.disconnect();
  } catch {
    // No sound where the browser refuses it.
  }
}
