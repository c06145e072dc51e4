/** The browser UI's entry (scripts/build-ui.ts bundles it into dist/ui/). */
import { render } from 'preact';
import { App } from './app.js';
import './styles.css';

// The page's HTML may provide a mount point; otherwise the app owns the body.
const root = document.getElementById('app') ?? document.body;
render(<App />, root);
