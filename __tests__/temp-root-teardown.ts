export { removeTempRoot as default } from './temp-root';
