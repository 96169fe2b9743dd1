import { useState } from 'react';
import Button from '@material-ui/core/Button';
import FileCopyIcon from '@material-ui/icons/FileCopy';
import { errorApiRef, useApi } from '@backstage/core-plugin-api';

async function writeClipboard(text: string): Promise<void> {
  if (navigator.clipboard?.writeText) {
    await navigator.clipboard.writeText(text);
    return;
  }
  // Pages served over plain http (not localhost) have no Clipboard API.
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.appendChild(area);
  area.select();
  const ok = document.execCommand('copy');
  document.body.removeChild(area);
  if (!ok) throw new Error('The browser refused to copy; select the text and copy it by hand.');
}

/** A labelled copy button that says "Copied" once the text is on the clipboard. */
export function CopyButton(props: { text: string; label: string }) {
  const errorApi = useApi(errorApiRef);
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await writeClipboard(props.text);
      setCopied(true);
    } catch (e) {
      errorApi.post(e instanceof Error ? e : new Error(String(e)));
    }
  };
  return (
    <Button variant="outlined" size="small" startIcon={<FileCopyIcon />} onClick={copy} aria-live="polite">
      {copied ? 'Copied' : props.label}
    </Button>
  );
}
