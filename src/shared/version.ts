import packageJson from '../../package.json';

/** The server's version, as released (package.json). */
export const serverVersion: string = packageJson.version;
