/** Free ports for servers a test starts itself: the local cluster's finder (deploy/local-cluster). */
export { freePort } from '../../deploy/local-cluster/processes';
